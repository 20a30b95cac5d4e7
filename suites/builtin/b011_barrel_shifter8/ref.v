module TopModule (
  input      [7:0] data,
  input      [2:0] amt,
  input      [1:0] op,
  output reg [7:0] y
);
  wire [15:0] doubled = {data, data} << amt;
  always @(*) begin
    case (op)
      2'b00:   y = data << amt;
      2'b01:   y = data >> amt;
      2'b10:   y = $signed(data) >>> amt;
      default: y = doubled[15:8];
    endcase
  end
endmodule

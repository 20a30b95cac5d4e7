module TopModule (
  input      [7:0] a,
  input      [7:0] b,
  input      [2:0] op,
  output reg [7:0] y,
  output           zero,
  output reg       carry
);
  wire [8:0] add = {1'b0, a} + {1'b0, b};
  always @(*) begin
    carry = 1'b0;
    case (op)
      3'b000: begin y = add[7:0]; carry = add[8]; end
      3'b001: begin y = a - b; carry = a < b; end
      3'b010: y = a & b;
      3'b011: y = a | b;
      3'b100: y = a ^ b;
      3'b101: y = ($signed(a) < $signed(b)) ? 8'd1 : 8'd0;
      3'b110: y = a << b[2:0];
      default: y = a >> b[2:0];
    endcase
  end
  assign zero = y == 8'd0;
endmodule

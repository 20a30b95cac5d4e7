module TopModule (
  input            clk,
  input            reset,
  input            in,
  output reg [7:0] count
);
  reg [2:0] hist;
  always @(posedge clk) begin
    if (reset) begin
      hist  <= 3'b111;
      count <= 8'd0;
    end else begin
      hist <= {hist[1:0], in};
      if ({hist, in} == 4'b0110 && count != 8'd255) count <= count + 8'd1;
    end
  end
endmodule
